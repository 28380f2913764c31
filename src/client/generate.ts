import openapiTS, { astToString } from 'openapi-typescript';

/**
 * The TypeScript types of psif's OpenAPI document (openapi-typescript), as kept in src/client/openapi.ts.
 * Pure: the caller supplies the document, so the generator script and the drift test share this function.
 */
export async function clientTypes(document: object): Promise<string> {
  const ast = await openapiTS(document as Parameters<typeof openapiTS>[0], { alphabetize: false, exportType: false });
  return `${HEADER}${astToString(ast)}`;
}

const HEADER = `/**
 * Generated from psif's OpenAPI document by \`npm run generate:client\` (openapi-typescript): do not edit.
 * test/client/client.test.ts fails when the routes and this file disagree.
 */

`;
