# ~/.bashrc: root's interactive bash shells on Contained Linux.
[ -z "$PS1" ] && return

# Shell integration marks (OSC 133, "semantic prompts"), which the terminal does not show: the
# UI learns from them when a command ended and its exit status. ESC]133;A BEL: a prompt starts;
# ESC]133;D;STATUS BEL: the command before it ended. Builtins only: nothing forks per prompt.
# No D before a shell's first prompt (no command ran yet). The function hands $? back.
__contained_prompt() {
	local status=$?
	[ -n "${__contained_ran-}" ] && printf '\e]133;D;%s\a' "$status"
	__contained_ran=1
	return $status
}
PROMPT_COMMAND=__contained_prompt

# root@contained:~# (the working directory is always in the prompt)
PS1='\[\e]133;A\a\]${debian_chroot:+($debian_chroot)}\u@\h:\w\$ '
HISTCONTROL=ignoredups
HISTSIZE=1000
shopt -s checkwinsize

alias ls='ls --color=auto'
alias ll='ls -l'
alias la='ls -A'
alias grep='grep --color=auto'
