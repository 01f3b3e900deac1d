/** The two supported databases. */
export type DialectName = 'sqlite' | 'postgres';
