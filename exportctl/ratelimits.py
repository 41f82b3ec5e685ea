"""What a client sees when a page rate limit (django-ratelimit) refuses it."""

from django.shortcuts import render


def rate_limited(request, exception):
    """Answer 429 with a page that says when to try again, instead of a bare 403."""
    response = render(request, "429.html", status=429)
    response["Retry-After"] = "60"
    return response
