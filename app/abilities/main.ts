/*
| Abilities are not used: every check is a policy method (app/policies),
| each naming the permission it needs. The file stays because Bouncer's
| middleware expects the module.
*/
export {}
