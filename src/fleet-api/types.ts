/** Shapes of the Fleet API objects fleetctl's apple-mdm and login commands use. */

export interface LoginResult {
  readonly token: string;
  readonly user: { readonly id: number; readonly email: string; readonly name: string; readonly globalRole: string | null };
}

export interface Enrollment {
  readonly id: number;
  readonly name: string;
  /** Apple DEP profile JSON; `null` for a manual enrollment. */
  readonly depConfig: Record<string, unknown> | null;
  readonly url: string;
}

/** Apple's OAuth1 tokens from the decrypted ABM `.p7m` (nanodep's OAuth1Tokens). */
export interface DepOAuthTokens {
  readonly consumer_key: string;
  readonly consumer_secret: string;
  readonly access_token: string;
  readonly access_secret: string;
  readonly access_token_expiry: string;
}

export interface DepDevice {
  readonly serial_number: string;
  readonly model: string;
  readonly description: string;
  readonly color: string;
  readonly asset_tag: string;
  readonly os: string;
  readonly device_family: string;
  readonly profile_status: string;
  readonly profile_uuid: string;
  readonly profile_assign_time: string;
  readonly profile_push_time: string;
  readonly device_assigned_date: string;
  readonly device_assigned_by: string;
}

export interface DepSyncResult {
  readonly assigned: readonly string[];
  readonly failed: Readonly<Record<string, string>>;
}

export interface Host {
  readonly id: number;
  readonly uuid: string;
  readonly hostname: string;
  readonly platform: string;
  readonly mdm: { readonly enrollmentStatus: string; readonly name: string };
}

export interface RunCommandResult {
  readonly commandUuid: string;
  readonly requestType: string;
  readonly failedUuids: readonly string[];
}

export interface CommandSummary {
  readonly host_uuid: string;
  readonly command_uuid: string;
  readonly status: string;
  readonly updated_at: string;
  readonly request_type: string;
  readonly hostname: string;
}

export interface CommandResult extends CommandSummary {
  /** Base64 of the command plist sent. */
  readonly payload: string;
  /** Base64 of the device's result plist. */
  readonly result: string;
}

export interface Profile {
  readonly profile_uuid: string;
  readonly team_id: number;
  readonly name: string;
  readonly platform: string;
  readonly identifier: string;
  readonly created_at: string;
  readonly updated_at: string;
  readonly checksum: string;
}
