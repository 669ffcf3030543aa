# Done once /root/note.txt mentions the docs.
if ! grep -qs docs /root/note.txt; then
  echo "There is no /root/note.txt with the word docs in it yet."
  exit 1
fi
