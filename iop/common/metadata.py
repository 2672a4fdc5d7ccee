from rest_framework.metadata import SimpleMetadata


class ApiMetadata(SimpleMetadata):
    """`OPTIONS` describes the fields of a view's serializer; a viewset of actions whose bodies the
    schema describes (no `serializer_class`) has none to list, where DRF's own would answer 500.
    (Its own module: DRF imports it while defining APIView, before iop.common.api can be.)"""

    def determine_actions(self, request, view):
        if getattr(view, "serializer_class", None) is None:
            return {}
        return super().determine_actions(request, view)
