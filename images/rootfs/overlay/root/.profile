# ~/.profile: executed by login shells.
if [ "$BASH" ] && [ -f ~/.bashrc ]; then
  . ~/.bashrc
fi
