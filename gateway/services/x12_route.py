"""How we write to a partner in X12: the parties, group ids, version, separators and ISA14 of its
profile, as the keyword arguments every ``outbound.x12`` envelope function takes (855, 865, 856, 810)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gateway.domain.partners import PartnerProfile
from gateway.services.ports import Context
from outbound.x12.writer import Party
from parsers.x12.structure import Separators


@dataclass(frozen=True, slots=True)
class X12Route:
    ours: Party
    theirs: Party
    our_gs: str
    their_gs: str
    version: str
    separators: Separators
    ack_requested: bool

    def envelope_args(self, *, test: bool = False) -> dict[str, Any]:
        """The keyword arguments of the ``envelope_*`` functions; ``test`` writes ISA15 = T."""
        return {
            "usage": "T" if test else "P",
            "ours": self.ours,
            "theirs": self.theirs,
            "our_gs": self.our_gs,
            "their_gs": self.their_gs,
            "version": self.version,
            "separators": self.separators,
            "ack_requested": self.ack_requested,
        }


def x12_route(ctx: Context, partner: PartnerProfile) -> X12Route | None:
    x12 = partner.x12
    if x12 is None:
        return None
    return X12Route(
        ours=Party(ctx.identity.isa_qualifier, ctx.identity.isa_id),
        theirs=Party(x12.isa_qualifier, x12.isa_id),
        our_gs=ctx.identity.gs_id,
        their_gs=x12.gs_id,
        version=x12.version,
        separators=Separators(
            element=x12.element_separator,
            component=x12.component_separator,
            segment=x12.segment_terminator,
            repetition=x12.repetition_separator,
        ),
        ack_requested=x12.ack_requested,
    )
