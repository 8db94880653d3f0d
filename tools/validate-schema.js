#!/usr/bin/env node
// Validate a JSON document against one of the official schemas tools/fetch-schemas fetched.
// Usage: validate-schema.js sarif|cyclonedx FILE     (exit 0 valid, 1 invalid, 2 unusable)
'use strict';
const path = require('path');
const fs = require('fs');
const dir = process.env.LUCID_SCHEMAS || path.join(process.env.HOME || '.', '.cache/lucid-schemas');
const req = (m) => require(path.join(dir, 'node_modules', m));
const [kind, file] = process.argv.slice(2);
let Ajv, Ajv2020, addFormats;
try {
	Ajv = req('ajv').default;
	Ajv2020 = req('ajv/dist/2020').default;
	addFormats = req('ajv-formats').default;
} catch (e) {
	console.error(`validate-schema: no validator in ${dir}: run tools/fetch-schemas`);
	process.exit(2);
}
let schema, ajv;
const setup = (a) => {
	addFormats(a);
	// formats ajv-formats lacks: the schemas use them for URLs and e-mail addresses
	a.addFormat('iri-reference', /^\S+$/);
	a.addFormat('idn-email', /^\S+@\S+$/);
	return a;
};
if (kind === 'sarif') {
	schema = JSON.parse(fs.readFileSync(path.join(dir, 'sarif-2.1.0.json')));
	const draft = String(schema.$schema || '');
	ajv = setup(draft.includes('2020-12') ? new Ajv2020({strict: false, allErrors: true})
		: new Ajv({strict: false, allErrors: true}));
} else if (kind === 'cyclonedx') {
	ajv = setup(new Ajv({strict: false, allErrors: true}));
	const res = path.join(dir, 'node_modules/@cyclonedx/cyclonedx-library/res/schema');
	for (const f of ['spdx.SNAPSHOT.schema.json', 'jsf-0.82.SNAPSHOT.schema.json'])
		ajv.addSchema(JSON.parse(fs.readFileSync(path.join(res, f))),
			'http://cyclonedx.org/schema/' + f);
	schema = JSON.parse(fs.readFileSync(path.join(res, 'bom-1.5.SNAPSHOT.schema.json')));
} else {
	console.error('validate-schema: sarif or cyclonedx');
	process.exit(2);
}
const validate = ajv.compile(schema);
const doc = JSON.parse(fs.readFileSync(file));
if (!validate(doc)) {
	console.error(JSON.stringify(validate.errors.slice(0, 10), null, 1));
	process.exit(1);
}
console.log(`${file}: valid ${kind}`);
