/* Lets programs written for <linux/iommufd.h> build against our header. */
#include "uvfio/uapi/iommufd.h"
