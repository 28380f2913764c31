import type { ClientService } from '../../auth/services/clients.js';
import { ApiError } from '../../platform/http/api-error.js';
import { MODULE_NAME, type Module } from '../model.js';
import type { ModulesRepository } from '../storage/modules-repository.js';

/** A vendor's modules: what shops consent to, and what ties a shop's data to a vendor. */
export class ModuleService {
  constructor(
    private readonly repository: ModulesRepository,
    private readonly clients: ClientService,
  ) {}

  async create(name: string, vendorName: string): Promise<Module> {
    if (!MODULE_NAME.test(name)) throw ApiError.badRequest('invalid_module_name', `module name must be a PrestaShop technical name (letters, digits, underscores), got "${name}"`);
    const vendor = await this.clients.findVendor(vendorName);
    if (await this.repository.find(name)) throw ApiError.conflict('module_exists', `module "${name}" is already registered`);
    const module: Module = { name, vendorClientId: vendor.clientId, vendorName: vendor.name, createdAt: new Date() };
    try {
      await this.repository.insert(module);
    } catch (error) {
      if (await this.repository.find(name)) throw ApiError.conflict('module_exists', `module "${name}" is already registered`);
      throw error;
    }
    return module;
  }

  async get(name: string): Promise<Module> {
    const module = await this.repository.find(name);
    if (!module) throw ApiError.notFound('module_not_found', `no module named "${name}"`);
    return module;
  }

  async list(filter: { vendorName?: string | undefined } = {}): Promise<Module[]> {
    const vendorClientId = filter.vendorName === undefined ? undefined : (await this.clients.findVendor(filter.vendorName)).clientId;
    return this.repository.list({ vendorClientId });
  }

  /** Also removes every shop's consents to the module. */
  async delete(name: string): Promise<void> {
    if (!(await this.repository.delete(name))) throw ApiError.notFound('module_not_found', `no module named "${name}"`);
  }
}
