from rest_framework import serializers

from iop.tenancy.models import Membership, Program


class ProgramSerializer(serializers.ModelSerializer):
    class Meta:
        model = Program
        fields = ["id", "name", "level_of_care", "default_min_weekly_hours", "default_min_days_per_week", "is_active"]
        read_only_fields = fields


class MemberSerializer(serializers.ModelSerializer):
    email = serializers.EmailField(source="user.email", read_only=True)
    full_name = serializers.CharField(source="user.full_name", read_only=True)
    credentials = serializers.SerializerMethodField()
    can_facilitate = serializers.SerializerMethodField()

    class Meta:
        model = Membership
        fields = ["id", "email", "full_name", "role", "is_active", "credentials", "can_facilitate", "created_at"]
        read_only_fields = fields

    def _profile(self, membership):
        return getattr(membership, "staff_profile", None)

    def get_credentials(self, membership) -> str:
        profile = self._profile(membership)
        return profile.credentials if profile else ""

    def get_can_facilitate(self, membership) -> bool:
        profile = self._profile(membership)
        return bool(profile and profile.can_facilitate)
