# ~/.bashrc: root's interactive bash shells on Contained Linux.
[ -z "$PS1" ] && return

# root@contained:~# (the working directory is always in the prompt)
PS1='${debian_chroot:+($debian_chroot)}\u@\h:\w\$ '
HISTCONTROL=ignoredups
HISTSIZE=1000
shopt -s checkwinsize

alias ls='ls --color=auto'
alias ll='ls -l'
alias la='ls -A'
alias grep='grep --color=auto'
