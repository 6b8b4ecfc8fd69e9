"""The experiences list's counts for anonymous readers (`counts_for`) are read
from experience_audience_idx alone: the statement names no column the index
lacks, so PostgreSQL answers it with an index-only scan instead of reading
every post of the condition from the table (53,000 on the busiest condition
of the large data set)."""

import re

from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext

from community.models import Experience
from devdata.personas import PersonasTestCase, make_condition


class ExperienceCountsFromTheIndexTestCase(PersonasTestCase):
    def test_the_counts_name_only_columns_of_the_index(self) -> None:
        condition = make_condition(name="POEMS syndrome", slug="poems-syndrome")
        index = next(
            i for i in Experience._meta.indexes if i.name == "experience_audience_idx"
        )
        indexed = {Experience._meta.get_field(f).column for f in index.fields}

        with CaptureQueriesContext(connection) as queries:
            counts = (
                Experience.objects.for_members()
                .filter(condition=condition)
                .counts_for(AnonymousUser())
            )

        self.assertEqual(counts, (0, 0))
        (sql,) = [q["sql"] for q in queries.captured_queries]
        columns = set(re.findall(r'"community_experience"\."(\w+)"', sql))
        self.assertTrue(columns, sql)
        self.assertLessEqual(columns, indexed, sql)
