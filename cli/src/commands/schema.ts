import { configJsonSchema } from '@restack/config';
import { printJson } from '../args.js';

export const schemaHelp = `restack schema
  Prints the JSON Schema of restack.yaml (committed as restack.schema.json).`;

export async function schemaCommand(): Promise<number> {
  printJson(configJsonSchema());
  return 0;
}
