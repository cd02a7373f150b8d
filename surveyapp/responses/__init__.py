"""Citizens' responses: storage, recording and export."""
