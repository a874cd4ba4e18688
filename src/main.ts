#!/usr/bin/env node
// tsbgpd command line: run / check-config / status / routes / doctor.
console.error('tsbgpd: not yet wired');
process.exit(2);
