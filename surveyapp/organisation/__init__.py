"""The province's organisation as data: areas, agencies, counters, fields of procedure and service volumes."""
