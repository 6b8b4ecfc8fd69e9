"""A tiny blog: the table the minimal Django page reads its row and list from."""

from django.db import models


class Post(models.Model):
    title = models.CharField(max_length=200)
    slug = models.SlugField(unique=True)
    summary = models.CharField(max_length=300)
    body = models.TextField()
    published = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-published"]

    def __str__(self) -> str:
        return self.title
