"""OpenAPI: every exporter operation documents the shared error body (``exportctl.api_errors``)."""

from drf_spectacular.openapi import AutoSchema

from exportctl.api_errors import ErrorResponseSerializer

#: Refusals any authenticated endpoint can answer with.
ERROR_STATUSES = ("400", "401", "403", "404", "429")


class ExporterAutoSchema(AutoSchema):
    def get_tags(self) -> list[str]:
        return ["exporter"]

    def _get_response_bodies(self, direction="response"):
        bodies = super()._get_response_bodies(direction)
        if direction != "response":
            return bodies
        statuses = list(ERROR_STATUSES)
        if self.method in ("POST", "PATCH", "PUT", "DELETE"):
            statuses.append("409")
        for code in statuses:
            if code not in bodies:
                bodies[code] = self._get_response_for_code(
                    ErrorResponseSerializer, code, direction=direction
                )
        return bodies
