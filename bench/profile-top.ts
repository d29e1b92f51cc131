// Prints where a saved CPU profile's time went: the top 30 packages / src files and functions by
// self time, and functions by total time. For the .cpuprofile files `bench/run.ts overhead
// --profile` writes to bench/results/ (their frames already name modules, not the bundle).
//
//   npx node bench/profile-top.ts bench/results/overhead-registry-<stamp>.cpuprofile [top]
import { readFileSync } from 'node:fs';
import { type CpuProfile, profileReport, summarizeProfile } from './lib/cpu-profile.ts';

const [file, top] = process.argv.slice(2);
if (!file) {
  console.error('Usage: npx node bench/profile-top.ts <file.cpuprofile> [top]');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
console.log(profileReport(file, summarizeProfile(profile), Number(top ?? 30)));
