unshare --uts bash
hostname container
#@ second
hostname
