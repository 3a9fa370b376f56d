"""Logical Data Structure of ICAO 9303 documents: MRZ, data groups, security objects."""
