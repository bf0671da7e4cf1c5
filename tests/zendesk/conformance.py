"""Zendesk client conformance: zenpy, a widely used Zendesk client library, pointed at a running
`wasmdesk serve`, makes the calls integrations make, unchanged. Run by `.ci/zendesk-clients`:

    python conformance.py BASE_URL ADMIN_BEARER_TOKEN

It creates an agent and a token owned by them over the plain API (admin Bearer token), then
works only through zenpy with Zendesk's token authentication (`{email}/token`). Every check
prints a line; any failure exits non-zero.
"""

import json
import os
import sys
import urllib.request
from urllib.parse import urlparse

base, admin_token = sys.argv[1], sys.argv[2]
# zenpy builds https://{subdomain}.zendesk.com/api/v2/...; these send it to the desk instead.
os.environ["ZENPY_FORCE_NETLOC"] = urlparse(base).netloc
os.environ["ZENPY_FORCE_SCHEME"] = urlparse(base).scheme

from zenpy import Zenpy  # noqa: E402
from zenpy.lib.api_objects import Comment, CustomField, Organization, Ticket, TicketField, User  # noqa: E402
from zenpy.lib.exception import APIException, RecordNotFoundException  # noqa: E402


def admin(method, path, body):
    request = urllib.request.Request(
        base + path,
        method=method,
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {admin_token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request) as response:
        return json.load(response)


failures = []


def check(name, condition, detail=""):
    print(("ok   " if condition else "FAIL ") + name + (f": {detail}" if detail and not condition else ""))
    if not condition:
        failures.append(name)


def expect_raise(name, exception, call):
    try:
        call()
    except exception as error:
        check(name, True)
        return error
    except Exception as error:  # noqa: BLE001 - the wrong exception is the failure reported
        check(name, False, f"raised {type(error).__name__}: {error}")
        return None
    check(name, False, "nothing raised")
    return None


agent = admin("POST", "/api/v2/users", {"user": {"name": "Zed Agent", "email": "zed@desk.example", "role": "agent"}})
owner = agent["user"]["id"]
token = admin("POST", "/api/v2/tokens", {"token": {"name": "zenpy", "role": "agent", "owner_id": owner}})
zenpy = Zenpy(subdomain="desk", email="zed@desk.example", token=token["token"]["value"])

# Authentication and the authenticated user.
me = zenpy.users.me()
check("users.me is the token's owner", me.id == owner and me.email == "zed@desk.example", repr(me))

# Users: create, show, search, show_many, update.
ada = zenpy.users.create(User(name="Ada Lovelace", email="ada@analytical.example"))
check("users.create", ada.id is not None and ada.email == "ada@analytical.example")
check("users(id=…)", zenpy.users(id=ada.id).name == "Ada Lovelace")
found = list(zenpy.users.search(query="email:ada@analytical.example"))
check("users.search by email", [u.id for u in found] == [ada.id], found)
many = list(zenpy.users(ids=[owner, ada.id]))
check("users(ids=[…]) (show_many)", sorted(u.id for u in many) == sorted([owner, ada.id]), many)
ada.name = "Ada King"
updated = zenpy.users.update(ada)
check("users.update", updated.name == "Ada King", updated)

# Organizations.
org = zenpy.organizations.create(Organization(name="Engines Ltd", domain_names=["engines.example"]))
check("organizations.create", org.id is not None and org.name == "Engines Ltd")
check("organizations(id=…)", zenpy.organizations(id=org.id).domain_names == ["engines.example"])

# Organization memberships: Ada joined "Analytical" by her email domain; she moves to Engines Ltd.
from zenpy.lib.api_objects import OrganizationMembership  # noqa: E402

current = list(zenpy.users.organization_memberships(user=ada.id))
check("a user's membership from her email domain", len(current) == 1 and current[0].user_id == ada.id, current)
zenpy.organization_memberships.delete(current[0])
check("organization_memberships.delete", list(zenpy.users.organization_memberships(user=ada.id)) == [])
made = zenpy.organization_memberships.create(OrganizationMembership(user_id=ada.id, organization_id=org.id))
check("organization_memberships.create", made.organization_id == org.id and made.user_id == ada.id, made)
listed = [(m.user_id, m.organization_id) for m in zenpy.users.organization_memberships(user=ada.id)]
check("users.organization_memberships", listed == [(ada.id, org.id)], listed)

# Tickets: create, show, update with a comment, comments, listing.
created = zenpy.tickets.create(Ticket(subject="Parcel", description="Where is my parcel?", requester_id=ada.id))
check("tickets.create answers with a TicketAudit", type(created).__name__ == "TicketAudit", repr(created))
ticket = created.ticket
check("tickets.create", ticket.id is not None and ticket.subject == "Parcel", created)
kinds = [event["type"] for event in created.audit.events]
check("the audit lists Create and Comment events", "Create" in kinds and "Comment" in kinds, kinds)
check("tickets(id=…)", zenpy.tickets(id=ticket.id).subject == "Parcel")
ticket.status = "open"
ticket.comment = Comment(body="It left the depot this morning.", public=True)
changed = zenpy.tickets.update(ticket)
check("tickets.update", zenpy.tickets(id=ticket.id).status == "open", changed)
events = [(e["type"], e.get("field_name"), e.get("previous_value"), e.get("value")) for e in changed.audit.events]
check("the update's audit says what changed", ("Change", "status", "new", "open") in events, events)
audits = list(zenpy.tickets.audits(ticket=ticket.id))
check("tickets.audits lists both writes", len(audits) == 2, audits)
bodies = [c.body for c in zenpy.tickets.comments(ticket=ticket.id)]
check("tickets.comments", bodies == ["Where is my parcel?", "It left the depot this morning."], bodies)
check("tickets() lists it", ticket.id in [t.id for t in zenpy.tickets()])

# Search.
results = list(zenpy.search(type="ticket", status="open"))
check("search type:ticket status:open", [t.id for t in results] == [ticket.id], results)
results = list(zenpy.search("ada@analytical.example", type="user"))
check("search type:user by email", [u.id for u in results] == [ada.id], results)
check("search count", zenpy.search.count(type="user") == 2)

# Errors as typed exceptions.
expect_raise("a missing user raises RecordNotFoundException", RecordNotFoundException, lambda: zenpy.users(id=424242))
error = expect_raise(
    "an invalid user raises APIException with RecordInvalid",
    APIException,
    lambda: zenpy.users.create(User(name="Bad", email="not-an-address")),
)
if error is not None:
    check("RecordInvalid names the attribute", '"RecordInvalid"' in str(error) and '"email"' in str(error), str(error))

wrong = Zenpy(subdomain="desk", email="someone.else@desk.example", token=token["token"]["value"])
expect_raise("another user's email with the token is refused", APIException, lambda: wrong.users.me())

# Incremental export (cursor-based), after the records have settled (2 s).
import time  # noqa: E402

time.sleep(2.2)
exported = [t.id for t in zenpy.tickets.incremental(start_time=0)]
check("tickets.incremental (cursor) exports the ticket", exported == [ticket.id], exported)
exported = sorted(u.id for u in zenpy.users.incremental(start_time=0))
check("users.incremental (cursor) exports the users", exported == sorted([owner, ada.id]), exported)

# Bulk requests: a list makes zenpy call create_many / create_or_update_many / update_many, which
# answer with a JobStatus; polling job_status gives one result per item.


def field(result, name):
    return result.get(name) if isinstance(result, dict) else getattr(result, name, None)


def finished(job):
    for _ in range(400):
        job = zenpy.job_status(id=job.id)
        if job.status == "completed":
            break
        time.sleep(0.05)
    return job


job = zenpy.users.create([User(name="Bulk One", email="one@bulk.example"), User(name="Bulk Two", email="two@bulk.example")])
check("users.create([…]) answers with a queued JobStatus", type(job).__name__ == "JobStatus" and job.total == 2, repr(job))
job = finished(job)
created = [field(r, "id") for r in job.results or []]
check(
    "job_status(id=…) completes with a result per user",
    job.status == "completed" and len(created) == 2 and all(field(r, "success") for r in job.results),
    job.to_dict(),
)
job = finished(zenpy.users.create_or_update([User(name="Bulk Uno", email="one@bulk.example"), User(name="Bulk Three", email="three@bulk.example")]))
statuses = [field(r, "status") for r in job.results or []]
check("users.create_or_update([…]) updates by email and creates", statuses == ["Updated", "Created"], job.to_dict())
one = zenpy.users(id=created[0])
two = zenpy.users(id=created[1])
one.name, two.name = "First", "Second"
job = finished(zenpy.users.update([one, two]))
check("users.update([…]) (update_many)", [zenpy.users(id=i).name for i in created] == ["First", "Second"], job.to_dict())
job = finished(zenpy.organizations.create([Organization(name="Bulk Org A"), Organization(name="Bulk Org B")]))
check("organizations.create([…])", [field(r, "status") for r in job.results or []] == ["Created", "Created"], job.to_dict())
job = finished(
    zenpy.tickets.create(
        [
            Ticket(subject="Bulk 1", description="First", requester_id=ada.id),
            Ticket(subject="Bulk 2", description="Second", requester_id=ada.id),
        ]
    )
)
made = [field(r, "id") for r in job.results or []]
check("tickets.create([…]) creates each ticket", len(made) == 2 and zenpy.tickets(id=made[1]).subject == "Bulk 2", job.to_dict())

# Ticket fields and a ticket's custom_fields as Zendesk's list of {id, value}.
# (Defining fields is for admins, as at Zendesk: the agent's zenpy reads them.)
order_id = admin("POST", "/api/v2/ticket_fields", {"ticket_field": {"type": "text", "title": "Order number", "key": "order_number"}})["ticket_field"]["id"]
listed = [f for f in zenpy.ticket_fields() if f.id == order_id]
check("ticket_fields() lists the field", len(listed) == 1 and isinstance(listed[0], TicketField) and listed[0].title == "Order number", listed)
order_field = listed[0] if listed else TicketField(id=order_id)
audit = zenpy.tickets.create(
    Ticket(subject="Custom", description="With an order number", requester_id=ada.id,
           custom_fields=[CustomField(id=order_field.id, value="A-123")])
)
shown = zenpy.tickets(id=audit.ticket.id)
values = {f["id"]: f["value"] for f in shown.custom_fields}
check("a ticket's custom_fields round-trip as [{id, value}]", values.get(order_field.id) == "A-123", shown.custom_fields)

if failures:
    print(f"{len(failures)} check(s) failed: {', '.join(failures)}")
    sys.exit(1)
print("zenpy: every check passed")
