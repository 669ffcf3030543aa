cd
./runtime.sh two 2
ps aux
busybox ping -c 1 10.0.2.1
busybox ping -c 1 -W 1 10.0.1.2
