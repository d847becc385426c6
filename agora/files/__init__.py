"""Uploaded documents (meeting documents, ethics-committee attachments), kept in the database.

Files live in the `stored_files` table rather than on disk: they are written in the same transaction
as the row that refers to them (nothing half-written), they are outside any web root, and
`agora backup` / `agora restore` carry them. Features link to them from their own tables and decide
who may download; `agora.files.services` checks type and size on the way in and sets the safe headers
on the way out.
"""
