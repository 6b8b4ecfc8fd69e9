"""Each process keeps its most recently served pages, within a byte budget."""

from django.test import SimpleTestCase

from public.caching import LocalPages


class LocalPagesTestCase(SimpleTestCase):
    def test_it_keeps_pages_until_the_budget_is_spent_then_drops_the_oldest(self):
        pages = LocalPages(max_bytes=100)
        for key in "abc":
            pages.put(key, (b"x" * 25, {}))
        self.assertIsNotNone(pages.get("a"))  # now the most recently used
        pages.put("d", (b"x" * 25, {}))
        pages.put("e", (b"x" * 25, {}))
        self.assertIsNone(pages.get("b"))
        self.assertEqual(
            [key for key in "acde" if pages.get(key) is not None], ["a", "c", "d", "e"]
        )
        self.assertLessEqual(pages.size, 100)

    def test_a_page_larger_than_a_quarter_of_the_budget_is_not_kept(self):
        pages = LocalPages(max_bytes=100)
        pages.put("big", (b"x" * 26, {}))
        self.assertIsNone(pages.get("big"))
        self.assertEqual(pages.size, 0)

    def test_storing_a_key_again_replaces_it_without_counting_it_twice(self):
        pages = LocalPages(max_bytes=100)
        pages.put("a", (b"x" * 20, {}))
        pages.put("a", (b"y" * 10, {}))
        self.assertEqual(pages.get("a"), (b"y" * 10, {}))
        self.assertEqual(pages.size, 10)
