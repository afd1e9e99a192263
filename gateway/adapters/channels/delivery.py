"""Outbound delivery on the partner's channel: a registry of senders by channel name.

``ChannelDelivery.channel_for(partner)`` picks the partner's ``deliver_via``
channel (or the first configured; the outbox folder for a partner without
channels, or one we do not know); ``send`` hands the bytes to that channel's
sender.  A sender raises ``ChannelError`` when the transport fails; the
``deliver`` step records the attempt and schedules the next one with back-off
(``gateway.domain.channels.RetryPolicy``), or marks the document failed.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from gateway.adapters.channels.folder import safe_name, write_atomically
from gateway.domain.partners import PartnerProfile
from gateway.errors import ChannelError, ConfigurationError

# (partner, file name, bytes) -> where it went (a path, a URL, a message id)
Sender = Callable[[PartnerProfile, str, bytes], str]

OUTBOX = "outbox"


def outbox_path(outbox: Path, partner_id: str) -> Path:
    return outbox / safe_name(partner_id)


class ChannelDelivery:
    """Senders by channel name; ``outbox`` (the per-partner outbox folder) is always there."""

    def __init__(self, outbox: Path, senders: dict[str, Sender] | None = None) -> None:
        self.outbox = outbox
        self.senders: dict[str, Sender] = dict(senders or {})

    def register(self, channel: str, sender: Sender) -> None:
        self.senders[channel] = sender

    def channel_for(self, partner: PartnerProfile | None) -> str:
        if partner is None:
            return OUTBOX
        return partner.channels.outbound_channel() or OUTBOX

    def send(
        self,
        channel: str,
        partner: PartnerProfile | None,
        partner_id: str,
        name: str,
        data: bytes,
        *,
        in_reply_to: str | None = None,
    ) -> str:
        """Send on ``channel``; ``in_reply_to`` (a Message-ID) makes a mail a reply to the partner's."""
        if channel == OUTBOX or partner is None:
            try:
                return str(write_atomically(outbox_path(self.outbox, partner_id), name, data))
            except OSError as exc:
                raise ChannelError(f"the outbox cannot be written: {exc}") from exc
        sender = self.senders.get(channel)
        if sender is None:
            raise ConfigurationError(f"no sender is installed for the {channel} channel")
        if in_reply_to is not None and channel == "email":
            return sender(partner, name, data, in_reply_to)  # type: ignore[call-arg]
        return sender(partner, name, data)


def folder_sender(data_dir: Path, outbox: Path) -> Sender:
    """The partner's ``folder.outbox`` (relative paths under the data folder), else its outbox folder."""

    def send(partner: PartnerProfile, name: str, data: bytes) -> str:
        folder = partner.channels.folder
        target = outbox_path(outbox, partner.id)
        if folder is not None and folder.outbox:
            target = Path(folder.outbox)
            if not target.is_absolute():
                target = data_dir / target
        try:
            return str(write_atomically(target, name, data))
        except OSError as exc:
            raise ChannelError(f"the folder {target} cannot be written: {exc}") from exc

    return send
