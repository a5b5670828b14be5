#!/usr/bin/env python3
"""Writes Sources/ReviewServer/Auth/common-passwords.txt: the passwords that sign-in refuses as too common.

Source: the "passwords" frequency list of zxcvbn 4.5.0 (MIT licence; Dan Wheeler / Dropbox), ranked from
leaked password corpora. Kept: the 10,000 commonest, and every one of the 30,000 with 10 or more characters
(the length rule already refuses anything shorter than 12, but a short common word plus decoration is
checked against the list too: see PasswordPolicy.swift). Lower-case, one per line, sorted.

    pip install zxcvbn==4.5.0 && python3 scripts/gen-common-passwords.py
"""
import pathlib

from zxcvbn.frequency_lists import FREQUENCY_LISTS

ranked = FREQUENCY_LISTS["passwords"]
keep = set(ranked[:10_000]) | {p for p in ranked if len(p) >= 10}
out = pathlib.Path(__file__).resolve().parent.parent / "Sources/ReviewServer/Auth/common-passwords.txt"
out.write_text("".join(p.lower() + "\n" for p in sorted(keep)))
print(f"{len(keep)} passwords -> {out}")
