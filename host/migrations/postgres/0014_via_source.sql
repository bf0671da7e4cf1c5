-- Where a ticket came from and where it was sent, as its channel knows them (an email's sender
-- and the support address; later a call's numbers): JSON `{"from": {...}, "to": {...}}`, NULL
-- for tickets created through the API.
ALTER TABLE tickets ADD COLUMN via_source TEXT;
