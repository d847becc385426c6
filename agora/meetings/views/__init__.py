"""The meeting and assembly pages; `routes` is what agora.app mounts."""

from __future__ import annotations

from starlette.routing import Route

from agora.meetings import texts  # noqa: F401  (notification texts)
from agora.meetings.views import assemblies, calendar, pages, run

M = "/meetings/{meeting_id}"
routes = [
    Route("/meetings", pages.listing, methods=["GET"]),
    Route("/meetings/new", run.new_meeting, methods=["GET", "POST"]),
    Route("/meetings/regions/{slug}.ics", calendar.region_feed, methods=["GET"]),
    Route("/meetings/{meeting_id}.ics", calendar.meeting_ics, methods=["GET"]),
    Route(M, pages.detail, methods=["GET"]),
    Route(f"{M}/register", pages.register, methods=["POST"]),
    Route(f"{M}/cancel", pages.cancel, methods=["POST"]),
    Route(f"{M}/live", pages.live, methods=["GET"]),
    Route(f"{M}/projector", pages.projector, methods=["GET"]),
    Route(f"{M}/vote", pages.vote, methods=["POST"]),
    Route(f"{M}/run", run.run, methods=["GET"]),
    Route(f"{M}/people", run.search_people, methods=["GET"]),
    Route(f"{M}/registrations.csv", run.registrations_csv, methods=["GET"]),
    Route(f"{M}/checkin", run.check_in, methods=["POST"]),
    Route(f"{M}/current", run.current, methods=["POST"]),
    Route(f"{M}/counts", run.counts, methods=["POST"]),
    Route(f"{M}/notes", run.note, methods=["POST"]),
    Route(f"{M}/proposals", run.proposal, methods=["POST"]),
    Route(f"{M}/minutes", run.minutes, methods=["POST"]),
    Route(f"{M}/submit", run.submit, methods=["POST"]),
    Route(f"{M}/addenda", run.addendum, methods=["POST"]),
    Route("/assemblies", assemblies.listing, methods=["GET"]),
    Route("/assemblies/new", assemblies.new_assembly, methods=["GET", "POST"]),
    Route("/assemblies/{assembly_id}", assemblies.detail, methods=["GET"]),
    Route("/assemblies/{assembly_id}/documents", assemblies.upload, methods=["POST"]),
    Route("/assemblies/{assembly_id}/documents/{document_id}", assemblies.document, methods=["GET"]),
    Route("/assemblies/{assembly_id}/synthesis", assemblies.synthesis, methods=["GET"]),
]
