/**
 * MDM command plists (Apple's `Command` dictionary plus `CommandUUID`). Like both Go fleetctl
 * generations we parse the file, require `Command.RequestType`, overwrite `CommandUUID` with a fresh
 * UUID (so a file can be sent many times), and send the XML re-serialisation base64-encoded.
 * A binary plist input is converted to XML because Fleet's server decodes XML plists.
 */
import { randomUUID } from 'node:crypto';
import { UserError } from '../core/errors.js';
import { buildXmlPlist, isDict, readPlist, PlistParseError, type PlistDict } from './plist.js';

export interface PreparedCommand {
  readonly commandUuid: string;
  readonly requestType: string;
  /** Standard (padded) base64 of the XML plist; Fleet accepts padded and unpadded. */
  readonly base64: string;
  readonly xml: string;
}

export function prepareCommand(bytes: Uint8Array, file: string, uuid: () => string = randomUUID): PreparedCommand {
  let root;
  try {
    root = readPlist(bytes);
  } catch (e) {
    const why = e instanceof PlistParseError ? e.message : String(e);
    throw new UserError('E_COMMAND_PLIST', `The payload isn't valid XML. Please provide a file with valid XML: ${file}: ${why}`);
  }
  if (!isDict(root)) {
    throw new UserError(
      'E_COMMAND_PLIST',
      `The payload isn't valid. Please provide a valid MDM command in the form of a plist-encoded XML file: ${file} is not a dictionary`,
    );
  }
  const command = root['Command'];
  if (!isDict(command)) {
    throw new UserError(
      'E_COMMAND_PLIST',
      `The payload isn't valid. Please provide a valid MDM command in the form of a plist-encoded XML file: ${file} has no Command dictionary`,
    );
  }
  const requestType = command['RequestType'];
  if (typeof requestType !== 'string' || requestType.trim() === '') {
    throw new UserError(
      'E_COMMAND_PLIST',
      `The payload isn't valid. Please provide a valid MDM command in the form of a plist-encoded XML file: ${file} has no Command.RequestType`,
    );
  }
  const commandUuid = uuid();
  const out: PlistDict = { ...root, CommandUUID: commandUuid };
  const xml = buildXmlPlist(out);
  return { commandUuid, requestType, xml, base64: Buffer.from(xml, 'utf8').toString('base64') };
}
