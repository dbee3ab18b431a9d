"""The one library every Qihang service imports: config, db, auth, errors, pagination, http client, logging."""
