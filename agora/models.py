"""Imports every feature's models so that Base.metadata is complete (Alembic, tests)."""

from agora import audit  # noqa: F401
from agora.accounts import models as accounts_models  # noqa: F401
from agora.consultations import models as consultations_models  # noqa: F401
from agora.deliberation import models as deliberation_models  # noqa: F401
from agora.ethics_committee import models as ethics_models  # noqa: F401
from agora.files import models as files_models  # noqa: F401
from agora.forums import models as forums_models  # noqa: F401
from agora.meetings import models as meetings_models  # noqa: F401
from agora.moderation import models as moderation_models  # noqa: F401
from agora.notifications import models as notifications_models  # noqa: F401
from agora.people import models as people_models  # noqa: F401
from agora.proposals import models as proposals_models  # noqa: F401
from agora.reports import models as reports_models  # noqa: F401
