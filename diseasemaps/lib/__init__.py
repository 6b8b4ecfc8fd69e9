"""Pure helpers that import nothing of the project, so every app may use them:
environment readers (env), Markdown to safe HTML (markdown), diffs, the
resilient Redis cache (cache), replica routing (replicas), database-outage
pages (outage), log and error-report privacy (privacy), security headers,
rate limits, the staff second factor (two_factor) and idle sessions
(staff_sessions), /healthz (health), error pages (errors), admin helpers.
"""
