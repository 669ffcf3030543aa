echo "written from the docs" > /root/note.txt
