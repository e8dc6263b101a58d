/** Who is acting: a Squall user with the roles the configuration gives it. */
export interface Principal {
  user: string;
  roles: string[];
  isAdmin: boolean;
}

/** Rules, timers and sensors run as this built-in user. */
export const SYSTEM_USER = 'system';
/** The CLI on the server's machine (admin token in the data dir) acts as this user. */
export const LOCAL_ADMIN_USER = 'admin';
