/* version.h compiles on its own */
#include <lucid/version.h>
int main(void);
int main(void)
{
	return 0;
}
