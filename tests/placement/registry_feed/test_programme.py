"""The programme history the subsidy evidence reads: what the follower projected from the registry's measure events
(corrections applied, only community measures), and when the feed was last read to its end."""

import uuid
from datetime import date

from placement.registry_feed import programme
from tests.placement.registry_feed.feed import catch_up


async def test_the_programme_history_is_what_the_feed_reported_with_corrections_applied(db, feed):
    person, stranger = feed.person(), uuid.uuid4()
    feed.measure(person, "community_detox", date(2012, 3, 1), actual_end_on=date(2015, 3, 1), end_reason="completed")
    wrong = feed.measure(person, "community_rehabilitation", date(2016, 1, 1))
    feed.measure(person, "compulsory_isolation", date(2016, 1, 1), event="measure.corrected", corrects_id=wrong)
    assert await programme.facts_as_of(db) is None

    await catch_up(db, feed)

    histories = await programme.histories(db, [person, stranger])
    history = histories[person]
    assert history.known and [e.kind for e in history.episodes] == ["community_detox"]
    assert [history.kind_on(d) for d in (date(2012, 2, 29), date(2012, 3, 1), date(2015, 2, 28), date(2015, 3, 1))] == [
        None,
        "community_detox",
        "community_detox",
        None,
    ]
    assert history.kind_on(date(2016, 6, 1)) is None
    assert histories[stranger] == programme.UNKNOWN
    assert await programme.facts_as_of(db) is not None
