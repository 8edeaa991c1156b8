/* Lets programs written for <linux/vfio.h> build against our header. */
#include "uvfio/uapi/vfio.h"
