"""Domain errors of the community; messages are shown to members and moderators."""


class CommunityError(Exception):
    """A step that cannot happen; the message says why and what to do."""


class InvalidTransition(CommunityError):
    pass


class NotAllowed(CommunityError):
    pass


class RateLimited(CommunityError):
    def __init__(self, message: str, retry_after: int):
        self.retry_after = retry_after
        super().__init__(message)


class AlreadyQueued(RateLimited):
    """A post or author had as many reports from accounts without a record
    as the moderators need: the report is not taken, and nothing is wrong."""


class PseudonymTaken(CommunityError):
    """Another member's name looks like this one (community.names); found
    when the profile is saved, after a sign-up form checked it."""
