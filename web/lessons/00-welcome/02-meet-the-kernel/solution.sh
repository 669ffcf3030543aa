uname -r > kernel.txt
cat /etc/issue
