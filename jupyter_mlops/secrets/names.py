"""What a secret's name may be: names become environment variables by default, so they look like
them (dots and dashes allowed too). Import-free, so run specs check names without the store."""

import re

SECRET_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,127}$")
