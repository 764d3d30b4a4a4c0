# resilient-ssh regress scripts, appended to upstream's LTESTS by
# patches/0003.  Each name is regress/NAME.sh in this repository.

RESILIENT_LTESTS=	resilient-identity resilient-negotiate resilient-refuse
RESILIENT_CLEANFILES=	resilient-*.out resilient-*.data
