from shared.errors import NotFound


class ImportJobNotFound(NotFound):
    code = "import_job_not_found"
