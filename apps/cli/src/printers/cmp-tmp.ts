import { readFileSync } from 'node:fs';
import { toKubectlYaml } from './yaml';
import { goJson } from './go-values';
const j = readFileSync(process.argv[2]!, 'utf8');
const obj = JSON.parse(j);
process.stdout.write(process.argv[3] === 'json' ? goJson(obj, '    ') + '\n' : toKubectlYaml(obj));
