import uuid

from pydantic import BaseModel, Field

from placement.posts.schemas import JobPostRead


class PostMatch(BaseModel):
    post: JobPostRead
    matched_skills: list[str] = Field(description="Skills the post wants that the person has.", examples=[["缫丝"]])
    missing_skills: list[str] = Field(description="Skills the post wants that the person lacks.", examples=[[]])
    score: int = Field(description="Number of matched skills; the list is sorted by it.", examples=[1])


class SuitablePosts(BaseModel):
    person_id: uuid.UUID
    placeable: bool = Field(description="Whether the person can be placed at all (see `rule`).")
    reason: str | None = Field(description="Why not, when not placeable.", examples=[None])
    rule: str = Field(description="The placement rule applied, in words.")
    items: list[PostMatch] = Field(description="Open posts in the person's jurisdiction they can do, best first.")


class Candidate(BaseModel):
    person_id: uuid.UUID = Field(description="Registry id only.")
    work_ability: str = Field(examples=["able"])
    current_measure: str | None = Field(examples=["community_rehabilitation"])
    matched_skills: list[str] = Field(examples=[["缫丝"]])
    score: int = Field(examples=[1])
    source: list[str] = Field(
        description="Where the candidate came from: given (by you), referred (to some post before), placed (before).",
        examples=[["referred"]],
    )


class Candidates(BaseModel):
    post_id: uuid.UUID
    pool: str = Field(description="Who was considered, in words.")
    items: list[Candidate] = Field(description="People who fit the post, best first.")
