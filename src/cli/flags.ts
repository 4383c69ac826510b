/**
 * Flag helpers shared by command modules. Go's fleetctl accepts `--flag`, `--flag=true` and
 * `--flag=false` for booleans; commander only knows `--flag`/`--no-flag`, so booleans are declared with
 * an optional value and parsed here.
 */
import { InvalidArgumentError, Option } from 'commander';

export function parseBool(value: string | boolean): boolean {
  if (typeof value === 'boolean') {
    return value;
  }
  const v = value.trim().toLowerCase();
  if (['true', '1', 't', 'yes'].includes(v)) {
    return true;
  }
  if (['false', '0', 'f', 'no', ''].includes(v)) {
    return false;
  }
  throw new InvalidArgumentError(`"${value}" is not a boolean (use true or false)`);
}

/** A Go-style boolean flag: `--name`, `--name=true|false`, optional env var. */
export function boolOption(flag: string, description: string, env?: string): Option {
  const o = new Option(`${flag} [bool]`, description).argParser(parseBool).preset(true);
  return env === undefined ? o : o.env(env);
}

export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}
