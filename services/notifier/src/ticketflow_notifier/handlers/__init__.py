"""One async function per command or event: open the unit of work, load, call the domain, commit."""
