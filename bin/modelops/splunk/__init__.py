"""The Splunk side: the only package that imports splunklib (command mixins, REST through the
command's service, HEC token setup). It never imports ``client``."""
