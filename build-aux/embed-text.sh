#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Usage: embed-text.sh FUNCTION FILE
# Prints a C file defining `const char *FUNCTION(void)` that returns FILE's text, so that data
# kept in the tree as a readable file (the schema, the platform presets) is compiled in.
set -e
func=$1
file=$2
echo "/* Generated from $(basename "$file") by build-aux/embed-text.sh; do not edit. */"
echo "const char *$func(void);"
echo "const char *$func(void)"
echo "{"
echo "    return"
sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/        "/' -e 's/$/\\n"/' "$file"
echo "        ;"
echo "}"
