"""How the committee's notifications read. They name no subject: the referral is confidential."""

from __future__ import annotations

from agora.i18n import gettext as _
from agora.notifications.texts import register_text

register_text("ethics_acknowledged", lambda _d: _("The ethics committee acknowledged your referral."))
register_text("ethics_admissibility", lambda _d: _("The ethics committee decided whether your referral is admissible."))
register_text("ethics_message", lambda _d: _("The ethics committee sent you a message about your referral."))
register_text("ethics_opinion_sent", lambda _d: _("The ethics committee sent you its opinion and recommendations."))
register_text("ethics_published", lambda _d: _("The anonymised summary of the opinion on your referral was published "
                                               "in the register."))
register_text("ethics_new_referral", lambda _d: _("A new referral was sent to the ethics committee: acknowledge it."))
register_text("ethics_referrer_message", lambda _d: _("The referrer sent the committee a message."))
