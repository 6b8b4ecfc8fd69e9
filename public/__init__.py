"""Everything anonymous readers get: the pages (views, urls), answer and
condition pages stored once rendered (pages), HTTP caching, discovery (sitemap,
robots.txt, the feed), structured data, the search queries, and the community
blocks shown on answer and condition pages.

It reads the editorial side (answers) and the community, and only what they
have made public: approved revisions and published posts. Nothing imports it
but the root URLconf and templates. Changes reach it through the publication
hook (answers/publication.py), which every service that changes what readers
see calls itself.
"""
