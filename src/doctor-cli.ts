/** Standalone `doctor` for development: node dist/src/doctor-cli.js [--json]. Exit 0 when TCP-MD5 works. */
import { doctor, formatDoctor } from './doctor.js';

const report = await doctor();
const json = process.argv.includes('--json');
process.stdout.write(json ? `${JSON.stringify(report, null, 2)}\n` : `${formatDoctor(report)}\n`);
process.exitCode = report.md5.supported ? 0 : 1;
