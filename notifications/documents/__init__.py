"""Issued PDFs: rendering, numbering, signing, issuing and handing them out."""
